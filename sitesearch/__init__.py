"""Site search: a Whoosh index of the portal, built with the site and read by formsvc (docs/search.md)."""
