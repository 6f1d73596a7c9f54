// Command emigraph serves and maintains the emigraph knowledge graph.
//
//	emigraph serve   [--addr 127.0.0.1:8080] [--data DIR] [--token-file F]
//	emigraph load    FILE... [--data DIR | --server URL] [--format F] [--dry-run]
//	emigraph export  [--format native|jsonl|nquads|csv] [--data DIR]
//	emigraph gen     --entities N --relations M [--seed S]
//	emigraph backup  --data DIR > file
//	emigraph restore --data DIR < file
//	emigraph verify  --data DIR
package main
