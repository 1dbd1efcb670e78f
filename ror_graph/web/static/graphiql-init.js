// GraphiQL on this server's /graphql, from the shipped bundles (no outside network needed).
// A query can be handed over in the address: /graphql#query=<url-encoded query>.
(function () {
  var fetcher = GraphiQL.createFetcher({ url: window.location.origin + "/graphql" });
  var handed = new URLSearchParams(window.location.hash.slice(1)).get("query");
  var props = { fetcher: fetcher, defaultEditorToolsVisibility: true };
  if (handed) props.query = handed;
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, props));
})();
