"""The pipeline's stages, in order: ingest, enrich, themes, pain_points, publish.

Each is a module with a ``run(ctx, ...)`` function over a :class:`flows.context.RunContext`;
a stage imports the run context, storage and the ``nlp`` library, never another stage.
:func:`flows.run.run_pipeline` calls them in order.
"""
