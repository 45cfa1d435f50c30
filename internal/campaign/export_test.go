package campaign

// AudienceSQL is audienceSQL, for the plan test.
var AudienceSQL = audienceSQL

// OngoingGuardSQL is ongoingGuardSQL, for the plan test.
var OngoingGuardSQL = ongoingGuardSQL
