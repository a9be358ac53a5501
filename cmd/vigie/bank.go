package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/sqldb"
)

// BankCmd groups the hash bank commands.
type BankCmd struct {
	Create  BankCreateCmd  `cmd:"" help:"Create a bank: known (abuse material), family (parents' photos) or benign (false positives)."`
	List    BankListCmd    `cmd:"" help:"List banks with their entry counts."`
	Show    BankShowCmd    `cmd:"" help:"Show a bank's settings and counts by signal type and status."`
	Disable BankDisableCmd `cmd:"" help:"Stop matching against a bank (its entries are kept)."`
	Enable  BankEnableCmd  `cmd:"" help:"Match against a disabled bank again."`
	Import  BankImportCmd  `cmd:"" help:"Import a hash list file into a bank."`
	Export  BankExportCmd  `cmd:"" help:"Write a bank's entries as a hash list."`
}

// bankService opens the database and returns the banks, with the person at
// the terminal as the audit actor.
func (m *Main) bankService() (context.Context, *sqldb.BankService, error) {
	if err := m.openDB(); err != nil {
		return nil, nil, err
	}
	return vigie.NewContextWithActor(m.ctx, cliActor()), sqldb.NewBankService(m.DB), nil
}

// BankCreateCmd creates a bank.
type BankCreateCmd struct {
	Name        string `arg:"" help:"Bank name: letters, digits, dots, dashes, underscores."`
	Kind        string `help:"known, family or benign." default:"known" enum:"known,family,benign"`
	Threshold   int    `help:"Largest PDQ distance that counts as a match (inclusive)." default:"31"`
	Source      string `help:"Where the list comes from, e.g. NCMEC, IWF, own triage."`
	Description string `help:"What the bank holds."`
	Disabled    bool   `help:"Create the bank disabled."`
}

// Run creates the bank.
func (c *BankCreateCmd) Run(m *Main) error {
	ctx, banks, err := m.bankService()
	if err != nil {
		return err
	}
	b := &vigie.Bank{Name: c.Name, Kind: vigie.BankKind(c.Kind), Threshold: c.Threshold, Enabled: !c.Disabled, Source: c.Source, Description: c.Description}
	if err := banks.CreateBank(ctx, b); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "created bank %s (%s, PDQ threshold %d)\n", b.Name, b.Kind, b.Threshold)
	return nil
}

// BankListCmd lists banks.
type BankListCmd struct{}

// Run prints the banks.
func (c *BankListCmd) Run(m *Main) error {
	ctx, banks, err := m.bankService()
	if err != nil {
		return err
	}
	list, err := banks.FindBanks(ctx, vigie.BankFilter{})
	if err != nil {
		return err
	}
	counts, err := m.DB.CountEntries(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKIND\tTHRESHOLD\tENABLED\tACTIVE ENTRIES\tSOURCE")
	for _, b := range list {
		active := 0
		for _, c := range counts[b.ID] {
			if c.Status == vigie.EntryActive {
				active += c.N
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%v\t%d\t%s\n", b.Name, b.Kind, b.Threshold, b.Enabled, active, b.Source)
	}
	return tw.Flush()
}

// BankShowCmd shows one bank.
type BankShowCmd struct {
	Name string `arg:""`
}

// Run prints the bank.
func (c *BankShowCmd) Run(m *Main) error {
	ctx, banks, err := m.bankService()
	if err != nil {
		return err
	}
	b, err := banks.FindBankByName(ctx, c.Name)
	if err != nil {
		return err
	}
	counts, err := m.DB.CountEntries(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "name:        %s\nkind:        %s\nthreshold:   %d\nenabled:     %v\nsource:      %s\ndescription: %s\ncreated:     %s\n",
		b.Name, b.Kind, b.Threshold, b.Enabled, b.Source, b.Description, fmtTime(b.CreatedAt))
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SIGNAL\tSTATUS\tENTRIES")
	for _, c := range counts[b.ID] {
		fmt.Fprintf(tw, "%s\t%s\t%d\n", c.Signal, c.Status, c.N)
	}
	return tw.Flush()
}

// setBankEnabled enables or disables a bank by name.
func (m *Main) setBankEnabled(name string, enabled bool) error {
	ctx, banks, err := m.bankService()
	if err != nil {
		return err
	}
	b, err := banks.FindBankByName(ctx, name)
	if err != nil {
		return err
	}
	b.Enabled = enabled
	if err := banks.UpdateBank(ctx, b); err != nil {
		return err
	}
	state := map[bool]string{true: "enabled", false: "disabled"}[enabled]
	fmt.Fprintf(m.Stdout, "bank %s %s\n", b.Name, state)
	return nil
}

// BankDisableCmd disables a bank.
type BankDisableCmd struct {
	Name string `arg:""`
}

// Run disables the bank.
func (c *BankDisableCmd) Run(m *Main) error { return m.setBankEnabled(c.Name, false) }

// BankEnableCmd enables a bank.
type BankEnableCmd struct {
	Name string `arg:""`
}

// Run enables the bank.
func (c *BankEnableCmd) Run(m *Main) error { return m.setBankEnabled(c.Name, true) }

// metadataJSON renders metadata on one line for tables.
func metadataJSON(md map[string]any) string {
	if len(md) == 0 {
		return "{}"
	}
	raw, _ := json.Marshal(md)
	return string(raw)
}
