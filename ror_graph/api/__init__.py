"""HTTP endpoints mounted by ``app.create_app``: GraphQL and the public search API."""
