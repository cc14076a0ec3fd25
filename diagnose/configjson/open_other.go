//go:build !unix

package configjson

const nonBlock = 0
