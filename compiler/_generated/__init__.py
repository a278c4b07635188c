"""Generated start-up caches; see compiler.generate."""
