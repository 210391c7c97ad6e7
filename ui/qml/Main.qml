// The main window: conversations on the left, the chat in the centre, the settings of the
// conversation on the right (collapsible), the model and status around them. Below a width the
// sidebar and then the settings panel stop taking room and open over the chat instead. The
// view-models come from the app as required properties; this file only lays them out and forwards
// intents.
import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import Vkchat

ApplicationWindow {
    id: window

    required property ConversationsViewModel conversations
    required property ChatViewModel chat
    required property GenerationSettings settings
    required property ModelState modelState
    required property AppStatus status

    // Docked panels take room beside the chat; narrower windows open them over it.
    readonly property bool sidebarDocked: width >= 900
    readonly property bool settingsDocked: width >= 1180
    property bool sidebarOpen: true  // docked: shown; the user hides it with Ctrl+B
    property bool settingsOpen: true
    property bool sidebarOverlayOpen: false
    property bool settingsOverlayOpen: false
    readonly property bool sidebarShown: sidebarDocked ? sidebarOpen : sidebarOverlayOpen
    readonly property bool settingsShown: settingsDocked ? settingsOpen : settingsOverlayOpen
    readonly property bool overlayOpen: (!sidebarDocked && sidebarOverlayOpen) || (!settingsDocked && settingsOverlayOpen)

    function openModelDialog() {
        dialogs.open(openDialog);
    }

    function showSidebar() {
        if (sidebarDocked) {
            sidebarOpen = true;
        } else {
            settingsOverlayOpen = false;
            sidebarOverlayOpen = true;
        }
    }

    function toggleSidebar() {
        if (sidebarShown) {
            if (sidebarDocked)
                sidebarOpen = false;
            else
                closeOverlays();
        } else {
            showSidebar();
        }
    }

    function toggleSettings() {
        if (settingsDocked) {
            settingsOpen = !settingsOpen;
        } else {
            sidebarOverlayOpen = false;
            settingsOverlayOpen = !settingsOverlayOpen;
        }
        if (settingsShown)
            settingsPanel.focusFirst();
        else
            composer.focusInput();
    }

    function closeOverlays() {
        sidebarOverlayOpen = false;
        settingsOverlayOpen = false;
        composer.focusInput();
    }

    // The conversation row that has focus, if one has (F2 and Delete act on it, else on the
    // current conversation).
    function focusedConversationRow() {
        for (let item = window.activeFocusItem; item; item = item.parent) {
            if (item.conversationId !== undefined && item.startRename !== undefined)
                return item;
        }
        return null;
    }

    function isModelUrl(url) {
        return url.toString().toLowerCase().endsWith(".gguf");
    }

    width: 1280
    height: 800
    minimumWidth: 640
    minimumHeight: 480
    visible: true
    color: theme.window
    title: conversations.currentTitle.length > 0 ? conversations.currentTitle + " — vkchat" : "vkchat"

    // The system palette, live: a switch to a dark theme recolours the window at once. Disabled
    // colours are the same surfaces with faded text.
    palette.active.window: system.window
    palette.active.windowText: system.windowText
    palette.active.base: system.base
    palette.active.alternateBase: system.alternateBase
    palette.active.text: system.text
    palette.active.button: system.button
    palette.active.buttonText: system.buttonText
    palette.active.highlight: system.highlight
    palette.active.highlightedText: system.highlightedText
    palette.active.placeholderText: system.placeholderText
    palette.active.light: system.light
    palette.active.midlight: system.midlight
    palette.active.mid: system.mid
    palette.active.dark: system.dark
    palette.active.shadow: system.shadow
    palette.inactive.window: system.window
    palette.inactive.windowText: system.windowText
    palette.inactive.base: system.base
    palette.inactive.alternateBase: system.alternateBase
    palette.inactive.text: system.text
    palette.inactive.button: system.button
    palette.inactive.buttonText: system.buttonText
    palette.inactive.highlight: system.highlight
    palette.inactive.highlightedText: system.highlightedText
    palette.inactive.placeholderText: system.placeholderText
    palette.inactive.light: system.light
    palette.inactive.midlight: system.midlight
    palette.inactive.mid: system.mid
    palette.inactive.dark: system.dark
    palette.inactive.shadow: system.shadow

    palette.disabled.window: system.window
    palette.disabled.base: system.base
    palette.disabled.alternateBase: system.alternateBase
    palette.disabled.button: system.button
    palette.disabled.light: system.light
    palette.disabled.midlight: system.midlight
    palette.disabled.mid: system.mid
    palette.disabled.dark: system.dark
    palette.disabled.shadow: system.shadow
    palette.disabled.windowText: Qt.rgba(system.windowText.r, system.windowText.g, system.windowText.b, 0.4)
    palette.disabled.text: Qt.rgba(system.text.r, system.text.g, system.text.b, 0.4)
    palette.disabled.buttonText: Qt.rgba(system.buttonText.r, system.buttonText.g, system.buttonText.b, 0.4)
    palette.disabled.placeholderText: Qt.rgba(system.text.r, system.text.g, system.text.b, 0.3)
    palette.disabled.highlight: Qt.rgba(system.highlight.r, system.highlight.g, system.highlight.b, 0.4)
    palette.disabled.highlightedText: system.highlightedText

    SystemPalette {
        id: system
        colorGroup: SystemPalette.Active
    }

    Theme {
        id: theme
        palette: window.palette
    }

    Clipboard {
        id: clipboard
    }

    Dialogs {
        id: dialogs
        status: window.status
        returnFocusTo: composer
    }

    // The window's shortcuts work wherever focus is: text fields do not keep these.
    ShortcutKeys {
        sequences: ["Ctrl+K", "Ctrl+N", "Ctrl+B", "Ctrl+,", "Ctrl+Q", "Ctrl+O", "F2"]
    }

    Shortcut {
        sequence: "Ctrl+N"
        onActivated: {
            window.conversations.newRequested();
            composer.focusInput();
        }
    }
    Shortcut {
        sequence: "Ctrl+K"
        onActivated: {
            window.showSidebar();
            sidebar.focusSearch();
        }
    }
    Shortcut {
        sequence: StandardKey.Open
        onActivated: window.openModelDialog()
    }
    Shortcut {
        sequence: "Ctrl+,"
        onActivated: window.toggleSettings()
    }
    Shortcut {
        sequence: "Esc"
        enabled: window.chat.generating
        onActivated: window.chat.stopRequested()
    }
    Shortcut {
        sequences: [StandardKey.Undo]
        enabled: window.conversations.canUndo
        onActivated: window.conversations.undoDeleteRequested()
    }
    Shortcut {
        sequence: "Esc"
        enabled: !window.chat.generating && window.overlayOpen
        onActivated: window.closeOverlays()
    }
    Shortcut {
        sequence: "Ctrl+B"
        onActivated: window.toggleSidebar()
    }
    Shortcut {
        sequence: "F2"
        onActivated: {
            const row = window.focusedConversationRow();
            if (row) {
                row.startRename();
            } else if (window.conversations.currentId !== 0) {
                window.showSidebar();
                sidebar.renameCurrent();
            }
        }
    }
    // Text fields keep Delete for themselves (the shortcut map asks them first).
    Shortcut {
        sequence: StandardKey.Delete
        onActivated: {
            const row = window.focusedConversationRow();
            const id = row ? row.conversationId : window.conversations.currentId;
            if (id !== 0)
                window.conversations.deleteRequested(id);
        }
    }
    Shortcut {
        sequence: "Ctrl+Q"
        context: Qt.ApplicationShortcut
        onActivated: Qt.quit()
    }

    FileDialog {
        id: openDialog
        title: qsTr("Open model")
        nameFilters: [qsTr("GGUF models (*.gguf)"), qsTr("All files (*)")]
        onAccepted: {
            window.modelState.openRequested(selectedFile);
            dialogs.closed();
        }
        onRejected: dialogs.closed()
    }

    ConnectDialog {
        id: connectDialog
        objectName: "connectDialog"
        theme: theme
        servers: window.modelState.servers
        anchors.centerIn: parent
        onClosed: dialogs.closed()
    }

    Sidebar {
        id: sidebar
        x: 0
        y: 0
        z: 2
        width: Math.min(theme.sidebarWidth, window.width - 48)
        height: body.height
        visible: window.sidebarShown
        theme: theme
        conversations: window.conversations
        dialogs: dialogs

        Rectangle {
            anchors.right: parent.right
            width: 1
            height: parent.height
            color: theme.divider
        }
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        RowLayout {
            id: body
            Layout.fillWidth: true
            Layout.fillHeight: true
            spacing: 0

            // Room for the docked sidebar, which lies over it.
            Item {
                Layout.fillHeight: true
                Layout.preferredWidth: theme.sidebarWidth + 1
                visible: window.sidebarDocked && window.sidebarOpen
            }

            ColumnLayout {
                Layout.fillWidth: true
                Layout.fillHeight: true
                spacing: 0

                TopBar {
                    Layout.fillWidth: true
                    theme: theme
                    modelState: window.modelState
                    conversations: window.conversations
                    sidebarOpen: window.sidebarShown
                    settingsOpen: window.settingsShown
                    onToggleSidebar: window.toggleSidebar()
                    onToggleSettings: window.toggleSettings()
                    onOpenModel: window.openModelDialog()
                    onConnectServer: connectDialog.open()
                }

                ErrorBanner {
                    Layout.fillWidth: true
                    theme: theme
                    status: window.status
                }

                Item {
                    Layout.fillWidth: true
                    Layout.fillHeight: true

                    ChatView {
                        id: chatView
                        anchors.fill: parent
                        visible: count > 0
                        theme: theme
                        chat: window.chat
                        clipboard: clipboard
                    }

                    EmptyState {
                        anchors.fill: parent
                        visible: chatView.count === 0
                        theme: theme
                        modelState: window.modelState
                        onOpenModel: window.openModelDialog()
                        onConnectServer: connectDialog.open()
                    }
                }

                Composer {
                    id: composer
                    Layout.fillWidth: true
                    theme: theme
                    chat: window.chat
                }
            }

            Item {
                Layout.fillHeight: true
                Layout.preferredWidth: theme.panelWidth + 1
                visible: window.settingsDocked && window.settingsOpen
            }
        }

        StatusBar {
            Layout.fillWidth: true
            theme: theme
            status: window.status
            modelState: window.modelState
        }
    }

    // Over the chat while a panel is open over it: a click outside the panel closes it.
    Rectangle {
        x: 0
        y: 0
        width: parent.width
        height: body.height
        z: 1
        visible: window.overlayOpen
        color: Qt.rgba(0, 0, 0, theme.dark ? 0.45 : 0.25)
        MouseArea {
            anchors.fill: parent
            onClicked: window.closeOverlays()
        }
    }

    SettingsPanel {
        id: settingsPanel
        x: window.width - width
        y: 0
        z: 2
        width: Math.min(theme.panelWidth, window.width - 48)
        height: body.height
        visible: window.settingsShown
        theme: theme
        settings: window.settings
        modelState: window.modelState
        onCloseRequested: {
            if (window.settingsDocked)
                window.settingsOpen = false;
            else
                window.closeOverlays();
        }

        Rectangle {
            anchors.left: parent.left
            width: 1
            height: parent.height
            color: theme.divider
        }
    }

    Notice {
        z: 3
        anchors.horizontalCenter: parent.horizontalCenter
        anchors.bottom: parent.bottom
        anchors.bottomMargin: 96
        theme: theme
        status: window.status
    }

    DropArea {
        id: drop
        anchors.fill: parent
        onEntered: function (event) {
            event.accepted = event.hasUrls && event.urls.length === 1 && window.isModelUrl(event.urls[0]);
        }
        onDropped: function (event) {
            if (event.hasUrls && window.isModelUrl(event.urls[0])) {
                window.modelState.openRequested(event.urls[0]);
                event.acceptProposedAction();
            }
        }

        Rectangle {
            anchors.fill: parent
            anchors.margins: 12
            visible: drop.containsDrag
            radius: 16
            color: Qt.rgba(theme.accent.r, theme.accent.g, theme.accent.b, 0.12)
            border.color: theme.accent
            border.width: 2

            Label {
                anchors.centerIn: parent
                text: qsTr("Drop the .gguf file to load it")
                font.pixelSize: 22
                color: theme.text
            }
        }
    }

    Component.onCompleted: composer.focusInput()
}
