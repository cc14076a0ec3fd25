//go:build !linux

package main

// parentConfigDir: elsewhere another process's arguments are not read, so
// `docker --config DIR` goes unseen; the README says to use DOCKER_CONFIG.
func parentConfigDir() string { return "" }
