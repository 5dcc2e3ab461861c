//! The block makers leave the node's mining mode as they found it: an anvil started with
//! `--block-time` goes on making blocks on its own after `make_blocks` (it used to be left in
//! automine mode, and stopped).

use std::time::{Duration, Instant};

use serde_json::json;
use testkit::{anvil::Anvil, blocks};

#[test]
fn interval_mining_goes_on_after_a_block_is_made() {
    let anvil = Anvil::start_with(Some("cancun"), &["--block-time", "1"]).unwrap();
    let chain = blocks::Chain::new(&anvil).unwrap();
    let recipient = format!("0x{}", "42".repeat(20));
    chain.one_block(|c| c.transfer(0, &recipient, 1).map(drop)).unwrap();
    assert_eq!(anvil.rpc("anvil_getAutomine", json!([])).unwrap(), false);
    assert_eq!(anvil.rpc("anvil_getIntervalMining", json!([])).unwrap(), 1);
    let before = chain.block_number().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while chain.block_number().unwrap() < before + 2 {
        assert!(Instant::now() < deadline, "no block made on its own after {before}");
        std::thread::sleep(Duration::from_millis(200));
    }
    // An automining node stays automining.
    let automine = Anvil::start(Some("cancun")).unwrap();
    let chain = blocks::Chain::new(&automine).unwrap();
    chain.one_block(|c| c.transfer(0, &recipient, 1).map(drop)).unwrap();
    assert_eq!(automine.rpc("anvil_getAutomine", json!([])).unwrap(), true);
}
