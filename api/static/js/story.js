/* newsgraph coverage view: a story's timeline and outlet network, from /graphql. */
"use strict";

(function () {
  const ng = window.newsgraph;
  const el = ng.el;
  const root = document.getElementById("story");
  const storyId = root.dataset.storyId;
  const PAGE = 100;
  const MAX_PAGES = 20;

  const QUERY = `query StoryCoverage($id: ID!, $after: String) {
  story(id: $id) {
    id title size firstPublishedAt lastPublishedAt
    providers(first: 1) { totalCount }
    origin {
      id title url publishedAt provider { domain name }
      echoes(first: ${PAGE}, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { lagHours similarity evidence node { id title url publishedAt provider { domain name } } }
      }
    }
  }
}`;

  async function load() {
    let after = null;
    let story = null;
    const echoes = [];
    for (let page = 0; page < MAX_PAGES; page++) {
      const data = await ng.gql(QUERY, { id: storyId, after: after });
      if (!data.story) return null;
      story = story || data.story;
      const connection = data.story.origin.echoes;
      echoes.push.apply(echoes, connection.edges);
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    return { story: story, echoes: echoes, total: story.origin.echoes.totalCount };
  }

  /** Echoes grouped by outlet, the outlet that echoed first first; each group oldest first. */
  function groupByOutlet(echoes) {
    const groups = new Map();
    echoes.forEach(function (edge) {
      const key = edge.node.provider.domain;
      if (!groups.has(key)) groups.set(key, { provider: edge.node.provider, items: [] });
      groups.get(key).items.push(edge);
    });
    const list = Array.from(groups.values());
    list.forEach(function (g) { g.items.sort(function (a, b) { return a.lagHours - b.lagHours; }); });
    list.sort(function (a, b) {
      return a.items[0].lagHours - b.items[0].lagHours || a.provider.name.localeCompare(b.provider.name);
    });
    return list;
  }

  function outletAnchor(domain) { return "outlet-" + domain.replace(/[^a-z0-9.-]/gi, "_"); }

  function track(lags, maxLag) {
    const bar = el("div", { className: "track", "aria-hidden": "true" });
    lags.forEach(function (lag) {
      const position = maxLag > 0 ? Math.min(Math.max(lag / maxLag, 0), 1) : 0;
      const dot = el("span", { className: "dot" });
      dot.style.left = (position * 100).toFixed(2) + "%";
      bar.append(dot);
    });
    return bar;
  }

  function articleLine(article, lag, edge) {
    return el("li", { className: "item" },
      lag === null ? el("span", { className: "lag origin-lag" }, "original")
        : el("span", { className: "lag" }, ng.formatLag(lag)),
      el("time", { datetime: article.publishedAt || "" }, ng.formatTime(article.publishedAt)),
      article.url ? el("a", { href: article.url, rel: "noopener noreferrer", className: "title" }, article.title)
        : el("span", { className: "title" }, article.title),
      edge ? el("span", { className: "evidence" },
        "similarity " + edge.similarity.toFixed(2) + (edge.evidence.length ? " · " + edge.evidence.join(", ") : "")) : null);
  }

  function renderTimeline(story, groups, maxLag) {
    const list = document.getElementById("timeline");
    const origin = story.origin;
    const items = [el("li", { className: "outlet origin", id: outletAnchor(origin.provider.domain) },
      el("h3", { tabindex: "-1" },
        el("span", { className: "badge" }, "Original report"), " ",
        el("span", { className: "outlet-name" }, origin.provider.name),
        el("span", { className: "domain" }, origin.provider.domain)),
      track([0], maxLag),
      el("ul", { className: "items" }, articleLine(origin, null, null)))];
    groups.forEach(function (group) {
      const first = group.items[0].lagHours;
      items.push(el("li", { className: "outlet echo", id: outletAnchor(group.provider.domain) },
        el("h3", { tabindex: "-1" },
          el("span", { className: "outlet-name" }, group.provider.name),
          el("span", { className: "domain" }, group.provider.domain),
          el("span", { className: "first-lag" },
            (group.items.length > 1 ? ng.plural(group.items.length, "article") + ", first " : "") + ng.formatLag(first))),
        track(group.items.map(function (e) { return e.lagHours; }), maxLag),
        el("ul", { className: "items" }, ...group.items.map(function (e) { return articleLine(e.node, e.lagHours, e); }))));
    });
    list.replaceChildren(...items);
    const scale = el("div", { className: "scale", "aria-hidden": "true" },
      el("span", {}, "0 h"), el("span", {}, ng.formatLag(maxLag / 2)), el("span", {}, ng.formatLag(maxLag)));
    list.before(scale);
  }

  function renderNetwork(story, groups) {
    const container = document.getElementById("network");
    const origin = story.origin.provider;
    if (typeof window.cytoscape !== "function") {
      ng.showError(container, "The drawing library did not load; the timeline shows the same outlets.");
      return;
    }
    // A fan: the origin on the left, each echoing outlet placed left to right by its lag,
    // in container pixels so that labels keep their size (zoom 1).
    const maxLag = groups.reduce(function (m, g) { return Math.max(m, g.items[0].lagHours); }, 0) || 1;
    const rowHeight = 46;
    container.style.height = Math.max(300, groups.length * rowHeight + 60) + "px";
    const elements = [{ data: { id: origin.domain, label: origin.name, origin: true } }];
    groups.forEach(function (g) {
      const first = g.items[0].lagHours;
      const label = g.provider.name + "\n" + (g.items.length > 1 ? g.items.length + "× from " : "") + ng.formatLag(first);
      if (g.provider.domain !== origin.domain) {
        elements.push({ data: { id: g.provider.domain, label: label, origin: false, lag: Math.max(first, 0) } });
      }
      elements.push({ data: { id: "echo:" + g.provider.domain, source: g.provider.domain, target: origin.domain } });
    });
    function positions() {
      const width = container.clientWidth;
      const height = container.clientHeight;
      const left = Math.min(140, width * 0.3);
      const near = left + 50;
      const far = Math.max(near + 20, width - 140);
      const placed = {};
      placed[origin.domain] = { x: left, y: height / 2 };
      const echoes = groups.filter(function (g) { return g.provider.domain !== origin.domain; });
      const step = (height - 60) / Math.max(echoes.length, 1);
      echoes.forEach(function (g, i) {
        placed[g.provider.domain] = {
          x: near + (far - near) * Math.max(g.items[0].lagHours, 0) / maxLag,
          y: 30 + step * (i + 0.5),
        };
      });
      return placed;
    }
    const cy = window.cytoscape({
      container: container,
      elements: elements,
      userZoomingEnabled: false,
      userPanningEnabled: false,
      boxSelectionEnabled: false,
      autoungrabify: true,
      style: [
        { selector: "node", style: {
          "background-color": "#1f5f99", label: "data(label)", color: "#111", "font-size": 13,
          "text-halign": "right", "text-valign": "center", "text-margin-x": 6, "text-wrap": "wrap",
          "text-max-width": 115, width: 22, height: 22,
        } },
        { selector: "node[?origin]", style: {
          "background-color": "#a4262c", width: 36, height: 36, "font-weight": "bold",
          "text-halign": "left", "text-margin-x": -8,
        } },
        { selector: "edge", style: {
          width: 1.5, "line-color": "#8a97a3", "target-arrow-color": "#8a97a3",
          "target-arrow-shape": "triangle", "curve-style": "straight",
        } },
        { selector: "node:selected", style: { "border-width": 3, "border-color": "#e8a33d" } },
      ],
      layout: { name: "preset", positions: positions(), fit: false, zoom: 1, pan: { x: 0, y: 0 } },
    });
    cy.on("tap", "node", function (event) {
      const target = document.getElementById(outletAnchor(event.target.id()));
      if (target) {
        target.scrollIntoView({ block: "start" });
        target.querySelector("h3").focus({ preventScroll: true });
      }
    });
    window.addEventListener("resize", function () {
      cy.resize();
      const placed = positions();
      cy.nodes().positions(function (node) { return placed[node.id()]; });
    });
    const echoNames = groups.map(function (g) { return g.provider.name; });
    container.setAttribute("aria-label", "Outlet network: " + origin.name + " broke the story" +
      (echoNames.length ? "; echoed by " + echoNames.join(", ") + "." : "; nobody echoed it."));
    container.dataset.nodes = String(cy.nodes().length);
    container.dataset.edges = String(cy.edges().length);
    window.newsgraphNetwork = cy;
  }

  function renderSummary(story, groups, shown, total) {
    document.title = story.title + " · newsgraph";
    document.getElementById("story-title").textContent = story.title;
    const span = story.firstPublishedAt && story.lastPublishedAt
      ? (new Date(story.lastPublishedAt) - new Date(story.firstPublishedAt)) / 3600000 : null;
    const parts = [
      ng.plural(story.size, "article") + " from " + ng.plural(story.providers.totalCount, "outlet") + ".",
      "First reported by " + story.origin.provider.name + " on " + ng.formatTime(story.origin.publishedAt) + ";",
      groups.length ? ng.plural(groups.length, "outlet") + " echoed it" + (span !== null ? ", the last " + ng.formatLag(span) + " later." : ".")
        : "no outlet echoed it.",
    ];
    if (shown < total) parts.push("The first " + shown + " of " + total + " echoes are shown.");
    document.getElementById("story-summary").textContent = parts.join(" ");
  }

  load().then(function (result) {
    if (!result) {
      document.getElementById("story-title").textContent = "This story is not in the loaded corpus";
      root.setAttribute("aria-busy", "false");
      return;
    }
    const groups = groupByOutlet(result.echoes);
    const maxLag = result.echoes.reduce(function (m, e) { return Math.max(m, e.lagHours); }, 0);
    renderSummary(result.story, groups, result.echoes.length, result.total);
    renderTimeline(result.story, groups, maxLag);
    renderNetwork(result.story, groups);
    root.setAttribute("aria-busy", "false");
    root.dataset.ready = "true";
  }).catch(function (error) {
    document.getElementById("story-title").textContent = "Could not load the story";
    ng.showError(document.getElementById("story-summary"), error.message);
    root.setAttribute("aria-busy", "false");
  });
})();
