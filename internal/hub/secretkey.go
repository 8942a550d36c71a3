package hub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/vigil-mon/vigil/internal/alerting"
	"github.com/vigil-mon/vigil/internal/meta"
	"github.com/vigil-mon/vigil/internal/secrets"
)

// secretKey returns the key that seals notification channel secrets in the database: the
// operator's (SecretKey text or SecretKeyFile), else the data directory's key file, created
// 0600 on first start. It refuses to create a new key while the database already holds
// sealed secrets: the old key is missing, and a new one would neither open them nor let the
// hub send, so the operator gets an error naming what to restore instead of a silent loss.
func secretKey(ctx context.Context, cfg Config, db *meta.DB, log *slog.Logger) (*secrets.Key, error) {
	switch {
	case cfg.SecretKey != "" && cfg.SecretKeyFile != "":
		return nil, errors.New("give the secret key once: --secret-key-file or VIGIL_SECRET_KEY, not both")
	case cfg.SecretKey != "":
		k, err := secrets.Parse(cfg.SecretKey)
		if err != nil {
			return nil, fmt.Errorf("VIGIL_SECRET_KEY: %w", err)
		}
		return k, nil
	case cfg.SecretKeyFile != "":
		k, err := secrets.ReadFile(cfg.SecretKeyFile)
		if err != nil {
			return nil, fmt.Errorf("--secret-key-file: %w", err)
		}
		return k, nil
	}
	path := filepath.Join(cfg.DataDir, secrets.KeyFileName)
	if ok, err := secrets.Exists(path); err != nil {
		return nil, fmt.Errorf("secret key file: %w", err)
	} else if ok {
		return secrets.ReadFile(path)
	}
	sealed, err := alerting.HasSealedSecrets(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("look for encrypted channel secrets: %w", err)
	}
	if sealed {
		return nil, fmt.Errorf("the database holds encrypted notification channel secrets but the key that encrypted them is missing: %s does not exist. "+
			"Restore it from the backup of the data directory, or give the key with --secret-key-file or VIGIL_SECRET_KEY "+
			"(a new key would not decrypt them, so the hub does not make one)", path)
	}
	k, err := secrets.CreateFile(path)
	if err != nil {
		return nil, err
	}
	log.Info("created the key that encrypts notification channel secrets; back it up with the database", "path", path)
	if cfg.Database.IsPostgres() {
		log.Warn("the database is PostgreSQL: every hub sharing it, and this one if its data directory is replaced, needs this same key; give it with --secret-key-file or VIGIL_SECRET_KEY", "path", path)
	}
	return k, nil
}
