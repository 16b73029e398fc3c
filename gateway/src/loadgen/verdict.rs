//! Whether a run passes: every target within `--max-failed-ratio` (requests without an answer)
//! and `--max-error-ratio` (answers that are error frames), and where a target answered nothing,
//! a hint at the likely cause (a short `--timeout-ms`, an address that is no MCI listener).

use anyhow::bail;

use super::summary::Summary;
use crate::review::plural;

/// An error naming every target that failed more than `max_failed` of its requests (and those
/// that refused connections), or answered more than `max_errors` of its answers with error
/// frames; one line per target and limit, each naming its option.
pub fn verdict(summaries: &[Summary], max_failed: f64, max_errors: f64) -> anyhow::Result<()> {
    let mut failed = Vec::new();
    for s in summaries {
        let (failures, attempted) = s.failures();
        if failures as f64 > max_failed * attempted as f64 {
            let refused = if s.errors.refused > 0 {
                format!(
                    ", {} refused (nothing listens at {})",
                    plural(s.errors.refused, "connect"),
                    s.address
                )
            } else {
                String::new()
            };
            failed.push(format!(
                "{}: {failures} of {} got no answer{refused}{} (more than --max-failed-ratio \
                 {max_failed})",
                s.address,
                plural(attempted, "request"),
                wrong_listener_hint(s)
            ));
        }
        let (errors, answers) = error_frames(s);
        if errors as f64 > max_errors * answers as f64 {
            failed.push(format!(
                "{}: {errors} of {} were error frames ({}) (more than --max-error-ratio \
                 {max_errors})",
                s.address,
                plural(answers, "answer"),
                codes(s)
            ));
        }
    }
    if failed.is_empty() {
        return Ok(());
    }
    bail!("{}", failed.join("; "))
}

/// The warnings of targets whose every answer was an error frame while `max_errors` lets that
/// pass (the default): the run measured a target that serves nothing, which the exit status
/// does not say.
pub fn error_frame_notes(summaries: &[Summary], max_errors: f64) -> Vec<String> {
    summaries
        .iter()
        .filter_map(|s| {
            let (errors, answers) = error_frames(s);
            let passed = errors as f64 <= max_errors * answers as f64;
            (passed && answers > 0 && errors == answers).then(|| {
                format!(
                    "warning: {}: every answer was an error frame ({}): the target was reached \
                     but served no request (--max-error-ratio 0.01 fails such a run)",
                    s.address,
                    codes(s)
                )
            })
        })
        .collect()
}

/// A target's error frames and its answers (ok and error frames).
fn error_frames(s: &Summary) -> (u64, u64) {
    let errors = s.errors.error_frames.values().sum::<u64>();
    (errors, s.ok + errors)
}

/// The error frames' result codes with their counts, as the summary prints them: `E502=50`.
fn codes(s: &Summary) -> String {
    let codes: Vec<String> = s
        .errors
        .error_frames
        .iter()
        .map(|(code, n)| format!("{code}={n}"))
        .collect();
    codes.join(" ")
}

/// Why a target that was reached answered nothing, when the likely cause is the address: a
/// listener that speaks HTTP (admin or HTTP ingress) answers a frame in HTTP or waits for a
/// request line that never ends. Empty when something was answered or nothing was sent.
pub(super) fn wrong_listener_hint(s: &Summary) -> String {
    let answered = s.ok + s.errors.error_frames.values().sum::<u64>() + s.errors.undecodable;
    if s.errors.http_answers > 0 {
        format!(
            ", {} answered in HTTP: {} is an HTTP listener (admin or HTTP ingress); loadgen \
             sends MCI frames: give it an address of `[[listeners.mci]]`",
            plural(s.errors.http_answers, "connection"),
            s.address
        )
    } else if answered == 0 && s.errors.timeouts > 0 {
        // A slow target and an HTTP listener waiting for a request line look alike: the answer
        // is not there in time, and loadgen closes the connection then (a late answer is never
        // seen). Both causes are said, the timeout first.
        format!(
            ", not one frame was answered within --timeout-ms ({} timed out): raise \
             --timeout-ms if {} answers more slowly; if it should answer at once, is it an MCI \
             listener (`[[listeners.mci]]`), not the admin or HTTP listener?",
            s.errors.timeouts, s.address
        )
    } else if answered == 0 && s.sent > 0 {
        format!(
            ", not one frame was answered: is {} an MCI listener (`[[listeners.mci]]`), not \
             the admin or HTTP listener?",
            s.address
        )
    } else {
        String::new()
    }
}
