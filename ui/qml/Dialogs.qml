// Opens the window's file dialogs, or shows why they cannot be shown (a QML module they need is
// missing) instead of letting Qt crash; when a dialog closes, focus goes back to the message box
// so that typing never lands in a hidden dialog.
import QtQuick
import Vkchat

QtObject {
    id: dialogs

    required property AppStatus status
    property Item returnFocusTo: null

    readonly property DialogSupport support: DialogSupport {}

    function open(dialog) {
        const problem = support.problem();
        if (problem.length > 0) {
            status.showError(qsTr("The file dialog cannot be shown: %1. Run scripts/install-deps.sh to install what it needs.").arg(problem));
            return false;
        }
        dialog.open();
        return true;
    }

    // Called from each dialog's onAccepted and onRejected.
    function closed() {
        Qt.callLater(function () {
            if (dialogs.returnFocusTo)
                dialogs.returnFocusTo.forceActiveFocus();
        });
    }
}
