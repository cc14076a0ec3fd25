package azure

import (
	"strings"
	"testing"

	"github.com/acr-doctor/acr-doctor/diagnose/report"
)

func TestStepsUnseen(t *testing.T) {
	in := &Inspection{Azure: report.Azure{Unseen: []report.Unseen{{What: WhatIdentity, Why: "no identity"}}}}
	if in.Facts() != nil {
		t.Error("an inspection that found no resource has facts")
	}
	steps := in.Steps()
	if len(steps) != 1 || steps[0].Status != report.StepWarn || !strings.Contains(steps[0].Detail, "could not see the Azure identity: no identity") {
		t.Errorf("steps = %+v", steps)
	}
}
