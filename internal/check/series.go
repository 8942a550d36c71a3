package check

// Check results live in the series store under a negative owner id (-check id), so they never
// collide with a host's series and use the same blocks, rollups and retention as host metrics.
// A check that runs only on the hub has SeriesState (1 up or degraded, 0 down, per probe) and
// SeriesResponse. A check with remote locations has, per location (label = LocationName),
// SeriesLocState and SeriesLocResponse, and SeriesState is then the check's state by quorum.
const (
	SeriesResponse    = "check_response_ms"
	SeriesState       = "check_state"
	SeriesLocResponse = "check_location_response_ms"
	SeriesLocState    = "check_location_state"
)

// SeriesOwner is the series store owner of a check's results.
func SeriesOwner(checkID int64) int64 { return -checkID }
