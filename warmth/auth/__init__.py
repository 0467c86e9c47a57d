"""Who may do what (issue 7): users, tokens, roles, and signed claims through Temporal.

- :mod:`warmth.auth.rules` — roles, :class:`User`, :func:`allowed` / :func:`authorize` (pure);
- :mod:`warmth.auth.identity` — :func:`authenticate` a token against the store;
- :mod:`warmth.auth.claims` — sign and verify the acting user's claims; :func:`verified_claims`;
- :mod:`warmth.auth.interceptors` — the client and worker interceptors carrying them.

Nothing is imported here, so workflow code can import :mod:`warmth.auth.claims` in the
sandbox without pulling in the store.
"""
