//go:build !linux

package badger

import "errors"

// canExchange: no RENAME_EXCHANGE here, so Rebuild loads through
// transactions (see rebuild_linux.go).
const canExchange = false

func exchangeDirs(a, b string) error       { return errors.ErrUnsupported }
func checkExchange(side, dir string) error { return errors.ErrUnsupported }
func lockDir(string) (func(), error)       { return nil, errors.ErrUnsupported }
