"""One module per app page; each exposes `render(settings)`."""
