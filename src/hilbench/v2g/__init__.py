"""ISO 15118-20: the EXI codec (``hilbench.v2g.codec``) and V2GTP framing."""
