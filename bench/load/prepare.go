package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-mon/vigil/internal/auth"
	"github.com/vigil-mon/vigil/internal/hub"
	"github.com/vigil-mon/vigil/internal/meta"
)

const (
	loadOwnerEmail = "load-test@example.com"
	loadOrgName    = "Load test"
)

// readTokens returns the agent tokens in path, one a line; line i is host load-i.
func readTokens(path string) ([]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if t := strings.TrimSpace(sc.Text()); t != "" {
			out = append(out, t)
		}
	}
	return out, sc.Err()
}

// prepare makes sure hosts load-0 … load-(n-1) exist in the hub's metadata store and returns
// their agent tokens. Tokens already in the file are kept; missing hosts are created (or, when a
// host of that name exists without a known token, given a fresh token) in one transaction,
// mirroring meta.CreateHost's insert: 10,000 single-row transactions would each wait for a WAL
// commit, one transaction takes a fraction of a second.
func prepare(ctx context.Context, dataDir string, database hub.Database, tokensPath string, n int, orgID int64) ([]string, error) {
	tokens, err := readTokens(tokensPath)
	if err != nil {
		return nil, fmt.Errorf("read tokens from %s: %w", tokensPath, err)
	}
	if len(tokens) >= n {
		fmt.Printf("prepare: reusing %d agent tokens from %s\n", n, tokensPath)
		return tokens[:n], nil
	}
	if dataDir == "" && !database.IsPostgres() {
		return nil, fmt.Errorf("%s holds %d tokens, %d needed: pass --data DIR (or --database URL) of the hub to create hosts", tokensPath, len(tokens), n)
	}
	start := time.Now()
	db, err := hub.OpenMeta(ctx, database, dataDir)
	if err != nil {
		return nil, fmt.Errorf("open the hub's metadata store: %w", err)
	}
	defer db.Close()
	if orgID == 0 {
		orgID, err = db.FirstOrgID(ctx)
		if errors.Is(err, meta.ErrNotFound) {
			hash, herr := auth.HashPassword("load-test-password-" + meta.NewSecret(""))
			if herr != nil {
				return nil, herr
			}
			_, o, cerr := db.CreateOwner(ctx, loadOwnerEmail, hash, loadOrgName)
			if cerr != nil {
				return nil, fmt.Errorf("create load-test owner: %w", cerr)
			}
			orgID, err = o.ID, nil
			fmt.Printf("prepare: created owner %s of organization %q (id %d); its password is random and discarded\n", loadOwnerEmail, loadOrgName, orgID)
		}
		if err != nil {
			return nil, fmt.Errorf("find an organization: %w", err)
		}
	}
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	// Same columns as meta.CreateHost (org_id, name, token_hash, created_at; facts and
	// agent_version take their defaults). A host of that name from an earlier run whose token
	// was lost gets a new token, as meta.EnsureHostToken would.
	insert := `INSERT INTO hosts (org_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (org_id, name) DO UPDATE SET token_hash = excluded.token_hash`
	if db.Dialect() == "postgres" {
		insert = strings.NewReplacer("(?, ?, ?, ?)", "($1, $2, $3, $4)").Replace(insert)
	}
	stmt, err := tx.PrepareContext(ctx, insert)
	if err != nil {
		return nil, err
	}
	defer stmt.Close()
	now := time.Now().UnixMilli()
	created := 0
	for i := len(tokens); i < n; i++ {
		tok := meta.NewSecret("vgh_")
		if _, err := stmt.ExecContext(ctx, orgID, "load-"+strconv.Itoa(i), meta.Hash(tok), now); err != nil {
			return nil, fmt.Errorf("create host load-%d: %w", i, err)
		}
		tokens = append(tokens, tok)
		created++
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit %d hosts: %w", created, err)
	}
	if err := writeTokens(tokensPath, tokens); err != nil {
		return nil, err
	}
	fmt.Printf("prepare: created %d hosts (load-%d … load-%d) in organization %d in %s; %d tokens in %s\n",
		created, n-created, n-1, orgID, time.Since(start).Round(time.Millisecond), len(tokens), tokensPath)
	return tokens, nil
}

func writeTokens(path string, tokens []string) error {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strings.Join(tokens, "\n")+"\n"), 0o600); err != nil {
		return fmt.Errorf("write tokens: %w", err)
	}
	return os.Rename(tmp, path)
}
