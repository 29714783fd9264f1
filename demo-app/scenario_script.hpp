// The demo's scenario scripts: steps a scenario file holds, and their parser.
//
// A scenario is a text file, one step per line ('#' starts a comment; "..." and '...' group words):
//   scene N                                 show scene N (1-4)
//   say TEXT                                print TEXT (narration)
//   fill DEVICE name|description TEXT       type into the device's form
//   save DEVICE | sync DEVICE               click Save / Synchronize
//   add-samples DEVICE N                    save N sample things at once (scene 1's "Add 300 samples")
//   online DEVICE on|off                    the device's online switch
//   wait-sync DEVICE                        until the device's syncs have finished
//   wait-identity DEVICE                    until the device knows its identity and its store is open
//   sign-in DEVICE                          click "Sign in as USER" (the app's backend gives the token)
//   wait-signed-in DEVICE                   until the device is signed in and knows the user's identity
//   expect-merged DEVICE TEXT               what the sign-in merged (the guest's datasets) contains TEXT
//   wait-conflict DEVICE                    until the device's conflict dialog is open
//   resolve DEVICE keep-mine|take-theirs|edit [VALUE]   answer the conflict dialog (waits for it)
//   publish NAME                            scene 2: another service publishes a thing-created event
//   expect-record DEVICE KEY COLUMN TEXT    the records table's cell contains TEXT
//   expect-no-record DEVICE KEY             the records table has no row for KEY
//   expect-status DEVICE TEXT               the device's status line contains TEXT
//   expect-progress DEVICE TEXT             the device's progress line contains TEXT
//   expect-chart DEVICE N                   the sync time chart shows at least N syncs
//   expect-events PANEL TEXT N              exactly N rows of the event panel contain TEXT
//   settle-counters MS                      until scene 4's counters have not moved for MS milliseconds
//   zero-counters                           scene 4's Zero button: counters count from now
//   expect-counter DEPLOYMENT PROCESSOR OUTCOME N   scene 4's counters show N
//   hold MS                                 wait MS milliseconds (to see that nothing more happens)
//   screenshot NAME                         save the window (and an open conflict dialog) as NAME.png
// expect-* steps wait up to 20 s for their condition; a step that fails ends the run (exit code 1).
#pragma once

#include <QString>
#include <QStringList>
#include <vector>

namespace synclatch::demo {

struct ScenarioStep {
    int line = 0;
    QStringList words;  // the command, then its arguments
};

// Parses a scenario; on error returns an empty list and sets error ("line N: ...").
std::vector<ScenarioStep> parse_scenario(const QString& text, QString& error);

}  // namespace synclatch::demo
