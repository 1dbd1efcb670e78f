// <ror-recherche>: the ROR offer search box for any web site (custom element, shadow DOM, no dependency).
//
//   <script src="https://ror.example/static/ror-recherche.js" defer></script>
//   <ror-recherche categorie="500" departement="49" target="_blank" per-page="10"></ror-recherche>
//
// Attributes: every /api/search filter (categorie, departement, public, activite, champActivite, age,
// nearCommune, radiusKm…) as fixed filters; target = where result links open; per-page; api = the ROR
// server (default: the server this script comes from). The server must list the site in its CORS origins.
(function () {
  "use strict";
  var script = document.currentScript;
  var DEFAULT_API = script ? new URL(script.src).origin : window.location.origin;
  var OWN = ["api", "target", "per-page", "placeholder", "label", "class", "id", "style", "part"];
  // HTML lower-cases attribute names: give the API its camelCase names back (champActivite, nearCommune…)
  var CAMEL = {};
  ["champActivite", "modePriseEnCharge", "typeOffre", "ouvertureAnnuelle", "modaliteAccueil", "nearCommune",
   "radiusKm", "servesCommune"].forEach(function (name) { CAMEL[name.toLowerCase()] = name; });
  var CSS_TEXT = [
    ":host { display: block; font: 16px/1.45 system-ui, sans-serif; color: #1e1e1e; }",
    "label { display: block; font-weight: 600; margin-bottom: .25rem; }",
    "input { font: inherit; width: 100%; box-sizing: border-box; padding: .45rem .55rem; border: 1px solid #666; border-radius: 4px; }",
    "input:focus-visible, a:focus-visible { outline: 3px solid #ff9f1c; outline-offset: 2px; }",
    "ol { list-style: none; padding: 0; margin: .5rem 0 0; }",
    "li { padding: .45rem 0; border-bottom: 1px solid #e5e5e5; }",
    "a { color: #0b4fa0; font-weight: 600; } p { margin: .1rem 0; } .meta, .status { color: #595959; font-size: .9rem; }"
  ].join("\n");

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text != null) node.textContent = text;
    return node;
  }

  class RorRecherche extends HTMLElement {
    connectedCallback() {
      if (this.shadowRoot) return;
      var root = this.attachShadow({ mode: "open" });
      var id = "ror-q";
      root.appendChild(el("style", {}, CSS_TEXT));
      root.appendChild(el("label", { for: id, part: "label" }, this.getAttribute("label") || "Rechercher une offre de santé ou médico-sociale"));
      this.input = el("input", { id: id, type: "search", part: "input", autocomplete: "off",
        placeholder: this.getAttribute("placeholder") || "ex. EHPAD, SSIAD, Alzheimer…" });
      this.status = el("p", { class: "status", role: "status", part: "status" });
      this.results = el("ol", { part: "results" });
      root.append(this.input, this.status, this.results);
      var timer = null, self = this;
      this.input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(function () { self.search(); }, 200); });
      this.search();
    }

    params() {
      var params = new URLSearchParams();
      for (var i = 0; i < this.attributes.length; i++) {
        var a = this.attributes[i];
        if (OWN.indexOf(a.name) >= 0 || !a.value) continue;
        var name = a.name.replace(/-([a-z])/g, function (_, c) { return c.toUpperCase(); });
        params.append(CAMEL[name.toLowerCase()] || name, a.value);
      }
      if (this.input.value.trim()) params.set("q", this.input.value.trim());
      params.set("perPage", this.getAttribute("per-page") || "10");
      return params;
    }

    search() {
      var api = (this.getAttribute("api") || DEFAULT_API).replace(/\/$/, ""), self = this;
      if (this.pending) this.pending.abort();
      this.pending = new AbortController();
      fetch(api + "/api/search?" + this.params(), { signal: this.pending.signal })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (res) { self.render(api, res); })
        .catch(function (e) { if (e.name !== "AbortError") self.status.textContent = "Recherche indisponible."; });
    }

    render(api, res) {
      this.results.textContent = "";
      if (!res.ok) { this.status.textContent = (res.body.error && res.body.error.message) || "Recherche impossible."; return; }
      var page = res.body, target = this.getAttribute("target") || "_self";
      this.status.textContent = page.total ? page.total + " offre" + (page.total > 1 ? "s" : "") : "Aucune offre ne correspond.";
      page.hits.forEach(function (h) {
        var li = el("li", { part: "result" });
        var link = el("a", { href: api + "/etablissement/" + h.finess + "#offre-" + h.identifiant, target: target }, h.nom);
        if (target === "_blank") link.setAttribute("rel", "noopener");
        li.append(link, el("p", {}, h.raisonSociale), el("p", { class: "meta" }, [h.adresse, h.distanceKm != null ? h.distanceKm.toFixed(1).replace(".", ",") + " km" : ""].filter(Boolean).join(" · ")));
        this.results.appendChild(li);
      }, this);
      this.dispatchEvent(new CustomEvent("ror-resultats", { detail: { total: page.total } }));
    }
  }

  if (!customElements.get("ror-recherche")) customElements.define("ror-recherche", RorRecherche);
})();
