// The guard as Hummingbird middleware (issue 15).
