"""The steps of an import that need settings or the database, in pipeline order.

    reading    bytes → an ImportSource (judged, parsed and checked by ``campaigns.importing``)
    resolving  the file's unit names → units of the directory (or decisions still to make)
    comparing  drafts + the list as it stands → an ImportPlan, row by row
    applying   an ImportPlan → rows written in one transaction
    preview    an ImportPlan → the JSON the preview page shows

``campaigns.services.imports`` runs them in order; read it first.
"""
