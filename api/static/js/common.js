/* newsgraph pages: helpers shared by the home page and the coverage view.
   Plain DOM, no framework; text is always set with textContent, never parsed as HTML. */
"use strict";

(function () {
  /** POST a GraphQL query to this app's /graphql and return `data`, or throw with the errors. */
  async function gql(query, variables) {
    const response = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query: query, variables: variables || {} }),
    });
    let body;
    try {
      body = await response.json();
    } catch (error) {
      throw new Error("the API answered " + response.status + " without JSON");
    }
    if (body.errors && body.errors.length) {
      throw new Error(body.errors.map(function (e) { return e.message; }).join("; "));
    }
    if (!response.ok) throw new Error("the API answered " + response.status);
    return body.data;
  }

  /** el("a", {href: "/"}, "text", childNode...) */
  function el(tag, attrs) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(function (entry) {
      const [name, value] = entry;
      if (value === null || value === undefined || value === false) return;
      if (name === "className") node.className = value;
      else if (name === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(name, value === true ? "" : String(value));
    });
    for (let i = 2; i < arguments.length; i++) {
      const child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function pad(n) { return String(n).padStart(2, "0"); }

  /** "2023-05-07 13:00 UTC": one zone for every reader, like the data. */
  function formatTime(iso) {
    if (!iso) return "time unknown";
    const d = new Date(iso);
    if (isNaN(d.getTime())) return iso;
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) +
      " " + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + " UTC";
  }

  function formatDate(iso) {
    return iso ? formatTime(iso).slice(0, 10) : "?";
  }

  /** A lag in hours as people read it: "+45 min", "+25.6 h", "+3.2 days". */
  function formatLag(hours) {
    if (hours === null || hours === undefined) return "";
    const sign = hours < 0 ? "−" : "+";
    const h = Math.abs(hours);
    if (h < 1) return sign + Math.round(h * 60) + " min";
    if (h < 48) return sign + (Math.round(h * 10) / 10) + " h";
    return sign + (Math.round(h / 2.4) / 10) + " days";
  }

  function plural(n, word, words) {
    return n.toLocaleString("en") + " " + (n === 1 ? word : (words || word + "s"));
  }

  /** The coverage view's path; the colon of `story:...` stays readable. */
  function storyPath(id) {
    return "/story/" + encodeURIComponent(id).replace(/%3A/gi, ":");
  }

  function showError(container, message) {
    container.replaceChildren(el("p", { className: "error", role: "alert" }, message));
  }

  /** The article-URL search box: look the article up and go to its story. */
  function wireSearch() {
    const form = document.getElementById("search");
    if (!form) return;
    const input = document.getElementById("search-url");
    const status = document.getElementById("search-status");
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const url = input.value.trim();
      if (!url) {
        status.textContent = "Type an article's URL first.";
        input.focus();
        return;
      }
      status.textContent = "Looking it up…";
      try {
        const data = await gql(
          "query FindStory($url: String!) { article(url: $url) { title story { id } } }", { url: url });
        const article = data.article;
        if (!article) {
          status.textContent = "No article with that URL in the loaded corpus.";
        } else if (!article.story) {
          status.textContent = "“" + article.title + "” has no story: no other outlet was found reporting it.";
        } else {
          status.textContent = "Opening its story…";
          window.location.assign(storyPath(article.story.id));
        }
      } catch (error) {
        status.textContent = "The lookup failed: " + error.message;
      }
    });
  }

  window.newsgraph = {
    gql: gql, el: el, formatTime: formatTime, formatDate: formatDate, formatLag: formatLag,
    plural: plural, storyPath: storyPath, showError: showError,
  };
  wireSearch();
})();
