package campaign

// AudienceSQL is audienceSQL, for the plan test.
var AudienceSQL = audienceSQL
