"""Flood segmentation U-Net over SIMULATED radar/optical scenes of Olinda's real terrain, and the
satellite passes that turn it into each zone's flooded share for the tabular flood model.

`train.py flood-segmentation ...` dispatches to `pipeline.run(args)`; `passes.satellite_features`
is what the flood pipeline calls. Nothing is imported here, so that train.py's start-up (which
probes every model's package) does not load torch for the other models.
"""
