"""Server-rendered pages, one blueprint per navigation section; no module imports another
(but the helpers ``forms`` and ``figures``)."""
