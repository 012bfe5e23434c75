"""Loading and saving, one module per concept. Never touches the request, the session,
templates or forms: pages, the API and the CLI all call these, so each rule lives once."""
