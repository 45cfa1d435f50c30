package inbox

// ListQuery exposes the folder page's SQL to the plan test.
var ListQuery = listQuery
