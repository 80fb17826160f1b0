/* newsgraph's GraphiQL: React, ReactDOM and GraphiQL come from /static/vendor (built by
   `make vendor` from pinned npm packages); the example tabs come from the page. */
"use strict";

(function () {
  const root = document.getElementById("graphiql");
  const examples = JSON.parse(document.getElementById("newsgraph-examples").textContent);
  const endpoint = new URL("/graphql", window.location.href).href;

  // The examples name an article, a topic and an outlet of the bundled seed. When the loaded
  // corpus lacks one of them, use the origin of its largest story, its top topic and that
  // story's outlet instead, so every tab answers something.
  const VALUES_QUERY = `query NewsgraphExampleValues($url: String!, $topic: String!, $domain: String!) {
  seedArticle: article(url: $url) { url }
  seedTopic: topic(name: $topic) { name }
  seedProvider: provider(domain: $domain) { domain }
  stories(first: 1, orderBy: LARGEST) { nodes { origin { url provider { domain } } } }
  topics(first: 1) { nodes { name } }
}`;

  function defaults() {
    const values = {};
    examples.forEach(function (ex) { Object.assign(values, ex.variables); });
    return values;
  }

  async function exampleValues(values) {
    const controller = new AbortController();
    const timer = setTimeout(function () { controller.abort(); }, 3000);
    try {
      const response = await fetch(endpoint, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ query: VALUES_QUERY, variables: values }),
        signal: controller.signal,
      });
      const data = (await response.json()).data || {};
      const chosen = Object.assign({}, values);
      const largest = data.stories && data.stories.nodes[0];
      if (!data.seedArticle && largest) chosen.url = largest.origin.url;
      if (!data.seedProvider && largest) chosen.domain = largest.origin.provider.domain;
      if (!data.seedTopic && data.topics && data.topics.nodes[0]) chosen.topic = data.topics.nodes[0].name;
      return chosen;
    } catch (error) {
      return values;
    } finally {
      clearTimeout(timer);
    }
  }

  function hasSavedTabs() {
    try {
      return window.localStorage.getItem("graphiql:tabState") !== null;
    } catch (error) {
      return false;
    }
  }

  function render(values) {
    const tabs = examples.map(function (ex) {
      const names = Object.keys(ex.variables);
      const variables = {};
      names.forEach(function (name) { variables[name] = values[name]; });
      return { query: ex.query, variables: names.length ? JSON.stringify(variables, null, 2) : "" };
    });
    const fetcher = GraphiQL.createFetcher({ url: endpoint });
    const logo = React.createElement(GraphiQL.Logo, null,
      React.createElement("a", { href: "/", className: "newsgraph-home" }, "newsgraph"));
    const props = { fetcher: fetcher, defaultTabs: tabs };
    // GraphiQL 3 fills the variables editor from the `variables` prop, not from the first
    // default tab: pass the first tab's on a first visit (later visits restore saved tabs).
    if (!hasSavedTabs()) props.variables = tabs[0].variables;
    root.replaceChildren();
    ReactDOM.createRoot(root).render(React.createElement(GraphiQL, Object.assign(props, {
      defaultQuery: "# Write a query; the Docs panel (book icon, left)\n# lists every type and field.\n{\n  stats { articles providers topics stories }\n}\n",
      defaultEditorToolsVisibility: "variables",
      shouldPersistHeaders: false,
    }), logo));
  }

  exampleValues(defaults()).then(render);
})();
