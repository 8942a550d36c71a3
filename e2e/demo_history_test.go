package e2e

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// TestDemoMonthOfHistory runs `vigil demo --history 720h` and checks that the backfilled month
// reaches the hourly rollup tier (the demo asks for maintenance once the hub acknowledged the
// backfill), so a 30-day chart reads ~720 hourly points instead of a month of raw rows, and that
// the hosts carry their tags.
func TestDemoMonthOfHistory(t *testing.T) {
	data := t.TempDir()
	url, email, password := demoHub(t, "--hosts", "2", "--history", "720h", "--data", data)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	resp, err := c.Post(url+"/api/v1/auth/login", "application/json", strings.NewReader(`{"email":"`+email+`","password":"`+password+`"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("demo login: %v %v", err, resp)
	}
	resp.Body.Close()
	e := &hubEnv{url: url, client: c}
	var hosts struct {
		Hosts []struct {
			ID   int64    `json:"id"`
			Name string   `json:"name"`
			Tags []string `json:"tags"`
		} `json:"hosts"`
	}
	e.get(t, "/api/v1/hosts", &hosts)
	var id int64
	for _, h := range hosts.Hosts {
		if h.Name == "web-1" {
			id = h.ID
			if strings.Join(h.Tags, ",") != "dc=fra1,env=prod,web" { // normalized: sorted
				t.Errorf("web-1 tags: got %v, want dc=fra1 env=prod web", h.Tags)
			}
		}
	}
	if id == 0 {
		t.Fatalf("no web-1 in %+v", hosts.Hosts)
	}
	// The query's tier says which tier was planned; the blocks say what was built. Read them
	// from the hub's database (SQLite in WAL mode allows a second reader).
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "vigil.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(45 * time.Second)
	for {
		var hourly, minute int
		err := db.QueryRow(`SELECT COALESCE(SUM(CASE WHEN tier = 2 THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN tier = 1 THEN 1 ELSE 0 END), 0) FROM series_blocks WHERE host_id = ?`, id).Scan(&hourly, &minute)
		// A month spans 4–5 closed weeks (hourly blocks) and ~30 closed days (1-minute blocks).
		if err == nil && hourly >= 4 && minute >= 28 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("rollups of the backfilled month: %d hourly and %d 1-minute blocks (err %v), want ≥ 4 and ≥ 28", hourly, minute, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	deadline = time.Now().Add(10 * time.Second)
	for {
		now := time.Now().UnixMilli()
		var r struct {
			Tier   string `json:"tier"`
			Series []struct {
				Values []*float64 `json:"values"`
			} `json:"series"`
		}
		e.get(t, fmt.Sprintf("/api/v1/hosts/%d/series?names=cpu.used_pct&step=3600000&from=%d&to=%d", id, now-30*86400_000, now), &r)
		n := 0
		if len(r.Series) > 0 {
			for _, v := range r.Series[0].Values {
				if v != nil {
					n++
				}
			}
		}
		// 30 days at a 2-hour step (the API's 720-point cap) is 360 points; nearly all filled.
		if r.Tier == "1h" && n >= 340 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("30-day query: tier %q with %d values, want the 1h tier with ≥ 340", r.Tier, n)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
