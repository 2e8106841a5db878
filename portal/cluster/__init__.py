"""The cluster of sites built from one repository: the county portal and its sub-sites.

``settings`` computes a site's Pelican settings (the one place), ``manifest`` reads what each
site's build published, ``fingerprint`` decides what must be rebuilt, ``crosslinks`` which sites
must be checked again because a file they may link to is gone, ``runner`` builds the sites in
parallel and ``lists`` writes the cluster-wide lists. ``python -m portal.cluster build``.
"""
