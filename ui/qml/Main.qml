// The main window: conversations on the left, the chat in the centre, the settings of the
// conversation on the right (collapsible), the model and status around them. The view-models come
// from the app as required properties; this file only lays them out and forwards intents.
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

    property bool settingsOpen: true
    property bool sidebarOpen: true

    function openModelDialog() {
        openDialog.open();
    }

    function toggleSettings() {
        settingsOpen = !settingsOpen;
        if (settingsOpen)
            settingsPanel.focusFirst();
    }

    function isModelUrl(url) {
        return url.toString().toLowerCase().endsWith(".gguf");
    }

    width: 1280
    height: 800
    minimumWidth: 760
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
            window.sidebarOpen = true;
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
        sequence: "Ctrl+B"
        onActivated: window.sidebarOpen = !window.sidebarOpen
    }

    FileDialog {
        id: openDialog
        title: qsTr("Open model")
        nameFilters: [qsTr("GGUF models (*.gguf)"), qsTr("All files (*)")]
        onAccepted: window.modelState.openRequested(selectedFile)
    }

    RowLayout {
        anchors.fill: parent
        spacing: 0

        Sidebar {
            id: sidebar
            Layout.fillHeight: true
            Layout.preferredWidth: theme.sidebarWidth
            visible: window.sidebarOpen
            theme: theme
            conversations: window.conversations
        }

        Rectangle {
            Layout.fillHeight: true
            Layout.preferredWidth: 1
            color: theme.divider
            visible: sidebar.visible
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
                sidebarOpen: window.sidebarOpen
                settingsOpen: window.settingsOpen
                onToggleSidebar: window.sidebarOpen = !window.sidebarOpen
                onToggleSettings: window.toggleSettings()
                onOpenModel: window.openModelDialog()
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
                }
            }

            Composer {
                id: composer
                Layout.fillWidth: true
                theme: theme
                chat: window.chat
            }

            StatusBar {
                Layout.fillWidth: true
                theme: theme
                status: window.status
                modelState: window.modelState
            }
        }

        Rectangle {
            Layout.fillHeight: true
            Layout.preferredWidth: 1
            color: theme.divider
            visible: settingsPanel.visible
        }

        SettingsPanel {
            id: settingsPanel
            Layout.fillHeight: true
            Layout.preferredWidth: theme.panelWidth
            visible: window.settingsOpen
            theme: theme
            settings: window.settings
            modelState: window.modelState
            onCloseRequested: window.settingsOpen = false
        }
    }

    Notice {
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
