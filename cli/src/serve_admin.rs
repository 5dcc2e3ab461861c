//! `prover_cmd serve retry` and `serve skip`: the operator's hand on the queue, on the database
//! directly (no server needs to run; a running one sees the change at its next look).

use clap::{Args, Subcommand};

use crate::serve_cmd::{data_dir, db_url, DbArgs};

#[derive(Subcommand)]
pub(crate) enum AdminCommand {
    /// Put a failed block, a skipped one, or one whose worker is gone (lease run out) back in the
    /// queue; its tries start again, the reason goes to its history.
    Retry(RetryArgs),
    /// Skip the block that holds the follower (it cannot be captured: /healthz says why): stored
    /// without a witness, listed as skipped with the reason, never proven; the follower goes on.
    Skip(SkipArgs),
}

#[derive(Args)]
pub(crate) struct RetryArgs {
    /// The block number.
    number: u64,
    /// Why, for the job's history.
    #[arg(long, default_value = "retried by the operator")]
    reason: String,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Args)]
pub(crate) struct SkipArgs {
    /// The block number (the one that holds the follower).
    number: u64,
    /// Why it is skipped: listed with the block, kept in its history.
    #[arg(long)]
    reason: String,
    #[command(flatten)]
    db: DbArgs,
}

pub(crate) fn run(command: AdminCommand) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        match command {
            AdminCommand::Retry(args) => {
                let store = serve::Store::open(&db_url(&args.db, &data_dir(&args.db)?)).await?;
                let was = store.retry(args.number, &args.reason, serve::now_ms()).await?;
                println!("block {} queued again (it was {was})", args.number);
            }
            AdminCommand::Skip(args) => {
                let store = serve::Store::open(&db_url(&args.db, &data_dir(&args.db)?)).await?;
                let kind = store.newest_kind().await?.unwrap_or(proof::ProofKind::Execution);
                store.skip_stuck(args.number, &args.reason, kind).await?;
                println!("block {} skipped: {}", args.number, args.reason);
            }
        }
        Ok(())
    })
}
