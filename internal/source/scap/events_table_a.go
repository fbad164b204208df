// Code generated from the public libscap event table (facts only: names, directions, parameter lists); DO NOT EDIT BY HAND.

package scap

// eventTableLo holds the schema of event types 0..227.
var eventTableLo = [228]Info{
