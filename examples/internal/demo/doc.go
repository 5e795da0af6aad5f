// Package demo holds what the example apps need to run safely as demos
// with zero configuration, and nothing a service would copy: deciding
// whether a listen address is reachable from other machines (an app with
// built-in demo credentials refuses those), creating its data directory
// and SQLite files readable by the owner only, and printing shell command
// lines that can be pasted into a terminal as they are.
package demo
