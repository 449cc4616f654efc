"""Screening: the node's watchlists (UN list, national lists, received notices'
subjects) in a name index, screening of names and batches, and match alerts."""
