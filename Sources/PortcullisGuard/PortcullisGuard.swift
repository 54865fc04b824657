// The guard: see docs/GUARD.md (issue 15).
