"""The Escape lab in parts: what a link holds (state), the sidebar (controls), the sweep as the page shows it
(view), its Vega-Lite charts (charts); ui/pages/escape_lab.py lays them out."""
