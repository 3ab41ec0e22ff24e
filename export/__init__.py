"""How results leave the engine: tables (CSV, JSON), matplotlib figures, GIF animations and the trajectory
player's data and standalone HTML. Imports the engine; the engine never imports this."""
