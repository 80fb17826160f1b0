/* newsgraph home page: what the loaded corpus holds, from /graphql. */
"use strict";

(function () {
  const ng = window.newsgraph;
  const el = ng.el;

  const QUERY = `query HomePage {
  stats { articles providers topics stories edges }
  oldest: articles(first: 5, order: OLDEST_FIRST) { nodes { publishedAt } }
  newest: articles(first: 5, order: NEWEST_FIRST) { nodes { publishedAt } }
  providers(first: 10) {
    totalCount
    nodes { domain name articleCount medianLagHours firstReports(first: 1) { totalCount } }
  }
  stories(first: 10, orderBy: LARGEST) {
    totalCount
    nodes {
      id title size firstPublishedAt
      origin { provider { name } }
      providers(first: 1) { totalCount }
    }
  }
}`;

  function firstTime(connection) {
    const found = connection.nodes.find(function (n) { return n.publishedAt; });
    return found ? found.publishedAt : null;
  }

  function renderCounts(stats) {
    const counts = document.getElementById("counts");
    const items = [
      ["Articles", stats.articles], ["Outlets", stats.providers], ["Topics", stats.topics],
      ["Stories", stats.stories], ["Graph edges", stats.edges],
    ];
    counts.replaceChildren.apply(counts, items.map(function (item) {
      return el("div", {}, el("dt", {}, item[0]), el("dd", {}, item[1].toLocaleString("en")));
    }));
    counts.setAttribute("aria-busy", "false");
  }

  function renderSpan(oldest, newest) {
    const span = document.getElementById("span");
    if (!oldest || !newest) {
      span.textContent = "No article carries a publication time.";
      return;
    }
    const days = (new Date(newest) - new Date(oldest)) / 86400000;
    span.replaceChildren(
      "Published from ", el("time", { datetime: oldest }, ng.formatTime(oldest)),
      " to ", el("time", { datetime: newest }, ng.formatTime(newest)),
      " (" + (days < 2 ? Math.round(days * 24) + " hours" : Math.round(days) + " days") + ")."
    );
  }

  function renderStories(stories) {
    const list = document.getElementById("top-stories");
    if (!stories.nodes.length) {
      list.replaceWith(el("p", {}, "No stories: no two outlets were found reporting the same event."));
      return;
    }
    list.replaceChildren.apply(list, stories.nodes.map(function (s) {
      return el("li", {},
        el("a", { href: ng.storyPath(s.id) }, s.title || s.id),
        el("span", { className: "meta" },
          ng.plural(s.size, "article") + " from " + ng.plural(s.providers.totalCount, "outlet") +
          " · broken by " + s.origin.provider.name + " · " + ng.formatDate(s.firstPublishedAt)));
    }));
    list.setAttribute("aria-busy", "false");
    if (stories.totalCount > stories.nodes.length) {
      list.after(el("p", { className: "hint" },
        "The " + stories.nodes.length + " largest of " + ng.plural(stories.totalCount, "story", "stories") + "."));
    }
  }

  function renderOutlets(providers) {
    const table = document.getElementById("top-outlets");
    const body = table.querySelector("tbody");
    body.replaceChildren.apply(body, providers.nodes.map(function (p) {
      return el("tr", {},
        el("th", { scope: "row" }, p.name, el("span", { className: "domain" }, p.domain)),
        el("td", {}, p.articleCount.toLocaleString("en")),
        el("td", {}, p.firstReports.totalCount.toLocaleString("en")),
        el("td", {}, p.medianLagHours === null ? "never echoes" : ng.formatLag(p.medianLagHours)));
    }));
    table.setAttribute("aria-busy", "false");
  }

  ng.gql(QUERY).then(function (data) {
    renderCounts(data.stats);
    renderSpan(firstTime(data.oldest), firstTime(data.newest));
    renderStories(data.stories);
    renderOutlets(data.providers);
  }).catch(function (error) {
    ng.showError(document.getElementById("counts").parentElement, "Could not load the corpus figures: " + error.message);
  });
})();
