"""The Streamlit app's pieces: pages, schema-driven widgets, URL state, chart drawing and result caching.

Arrows point one way: ui -> experiments -> {optimizers, landscapes} -> specs. Nothing here computes numerics beyond
arranging results for display; the runs and measurements come from `experiments`.
"""
