"""Golden snapshot of `vlmspec generate` on a tiny fixture spec (`fixture.openapi.yaml`)."""
