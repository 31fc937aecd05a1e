"""Leads (线索): the hits of supervision models as the operational database keeps them,
with their history. ``actions.sync_run`` turns a model run into leads."""
