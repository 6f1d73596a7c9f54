package schema

// Error codes (extensions.code of a GraphQL error, "code" of an /admin/
// answer) that are the API's rather than the domain's. graph's codes
// (graph.EINVALID, graph.ENOTFOUND, graph.ELIMIT, ...) say what was wrong
// with what was asked; these say what became of the request.
const (
	// ETIMEOUT: the request ran out of its time.
	ETIMEOUT = "timeout"
	// ECANCELED: the client went away, or the server is shutting down.
	ECANCELED = "canceled"
	// EFORBIDDEN: a write without the token.
	EFORBIDDEN = "forbidden"
	// EUNSUPPORTED: an operation the schema has no root type for
	// (subscriptions).
	EUNSUPPORTED = "unsupported_operation"
	// EVARIABLES: a variable of the wrong type, or a required one missing.
	EVARIABLES = "invalid_variables"
	// ETOOMANYERRORS: the last error of a response that left out more.
	ETOOMANYERRORS = "too_many_errors"
)
