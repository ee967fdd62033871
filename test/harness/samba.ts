// The private smbd lives in scripts/ because the demo share runs it too, and product code never
// imports the test tree.
export * from '../../scripts/samba-server.ts';
