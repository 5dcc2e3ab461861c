//! The execution proof's verifier, cheapest check first: the image the file names is the pinned
//! one, the committed key is for that image, the STARK verifies under it, the proven public values
//! are the file's and name the file's block; with a witness, that it is the witness's block.

use alloy_primitives::B256;
use serde::Serialize;
use stateless::BlockCommitment;
use witness::WitnessFile;

use crate::{
    image::{image_id_hex, GuestImage},
    stark, BlockId, ExecutionProofFile, ExecutionTimings, VerifyError,
};

/// What a verified execution proof establishes: the proven block commitment, and the guest and
/// zkVM as this verifier knows them (not as the file says).
#[derive(Clone, Debug, Serialize)]
pub struct ExecutionVerified {
    /// The guest image the proof is of: one this verifier pins.
    pub image_id: String,
    /// Which of the pinned images it is.
    pub image: GuestImage,
    /// The zkVM and what the proof is, as this verifier knows it.
    pub zkvm: String,
    /// The proven block's parent.
    pub parent_hash: B256,
    /// The state the block starts from.
    pub parent_state_root: B256,
    /// The state the block's transactions reach (the header's stateRoot).
    pub state_root: B256,
    /// The fork whose rules applied.
    pub fork: String,
    /// anvil's rule for cleared slots applied (not Ethereum's).
    pub zero_slot_leaves: bool,
    /// The block's transaction count.
    pub transactions: u32,
    /// The block's gas used.
    pub gas_used: u64,
    /// What the file says of how it was made, which the proof does not bind: the prover's
    /// claims, reported under this name and never as something the verifier found.
    #[serde(rename = "prover_claims_unverified")]
    pub claims: ProverClaims,
    /// The whole proven commitment.
    #[serde(skip)]
    pub commitment: BlockCommitment,
    /// A witness was given and the proof is of exactly its block.
    #[serde(skip)]
    pub witness_matched: bool,
}

/// The fields of an execution proof file that nothing proves: anyone holding the file can edit
/// them and the proof still verifies.
#[derive(Clone, Debug, Serialize)]
pub struct ProverClaims {
    /// The zkVM text the file carries.
    pub zkvm: String,
    /// The prover's name and version.
    pub prover: String,
    /// The guest instructions the prover says it ran.
    pub instructions: u64,
    /// The segments the prover says it proved.
    pub segments: usize,
    /// The prover's timings.
    pub timings: ExecutionTimings,
}

impl ExecutionVerified {
    fn new(image: GuestImage, commitment: BlockCommitment, witness_matched: bool, file: &ExecutionProofFile) -> Self {
        let c = &commitment;
        Self {
            image_id: image.id().into(),
            image,
            zkvm: image.zkvm().into(),
            parent_hash: c.parent_hash,
            parent_state_root: c.parent_state_root,
            state_root: c.state_root,
            fork: c.fork.name().into(),
            zero_slot_leaves: c.zero_slot_leaves,
            transactions: c.transactions,
            gas_used: c.gas_used,
            claims: ProverClaims {
                zkvm: file.zkvm.clone(),
                prover: file.prover.clone(),
                instructions: file.instructions,
                segments: file.segments,
                timings: file.timings.clone(),
            },
            commitment,
            witness_matched,
        }
    }

    /// The verifier's one line for a valid execution proof.
    pub fn describe(&self) -> String {
        let c = &self.commitment;
        format!(
            "valid: block {} ({}) on chain {}: its {} transaction(s) re-execute under {} rules from parent stateRoot {} \
             to stateRoot {} ({} gas), proven by guest image {} ({}){}{}",
            c.number,
            c.hash,
            c.chain_id,
            c.transactions,
            c.fork.name(),
            c.parent_state_root,
            c.state_root,
            c.gas_used,
            self.image_id,
            self.image,
            if c.zero_slot_leaves { "; with anvil's rule for cleared slots (not Ethereum's)" } else { "" },
            if self.witness_matched { "; exactly the witness's block" } else { "" },
        )
    }
}

/// Verifies an execution proof file (the `ProofSystem::verify` of the execution proof); with a
/// witness, also that the proof is of exactly its block (the witness is checked natively, its
/// re-execution included, and must give the proven commitment).
pub fn verify(file: &ExecutionProofFile, witness: Option<&WitnessFile>) -> Result<ExecutionVerified, VerifyError> {
    let image =
        GuestImage::by_id(&file.image_id).ok_or_else(|| VerifyError::OtherImage { found: file.image_id.clone() })?;
    let key_image = image_id_hex(&stark::image_id_of_vk(image.verifying_key())?);
    if key_image != image.id() {
        return Err(VerifyError::KeyForOtherImage { image, found: key_image });
    }
    let proven = stark::verify(image.verifying_key(), &file.proof)?;
    if proven != file.public_values.as_ref() {
        return Err(VerifyError::PublicValuesDiffer);
    }
    let commitment = stark::commitment_of(&proven)?;
    if commitment != file.commitment {
        return Err(VerifyError::CommitmentDiffers);
    }
    let head = &file.head;
    let named = BlockId { number: head.block_number, hash: head.block_hash, chain_id: head.chain_id };
    if BlockId::from(&commitment) != named {
        return Err(VerifyError::OtherBlock { proven: BlockId::from(&commitment), named });
    }
    let witness_matched = match witness {
        None => false,
        Some(w) => {
            let native = witness::check_witness(w).map_err(VerifyError::Witness)?.commitment;
            if native != commitment {
                return Err(VerifyError::NotTheWitness {
                    proven: BlockId::from(&commitment),
                    witness: BlockId::from(&native),
                });
            }
            true
        }
    };
    Ok(ExecutionVerified::new(image, commitment, witness_matched, file))
}
