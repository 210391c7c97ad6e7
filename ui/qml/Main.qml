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

    // The system palette, live: a switch to a dark theme recolours the window at once.
    palette.window: system.window
    palette.windowText: system.windowText
    palette.base: system.base
    palette.alternateBase: system.alternateBase
    palette.text: system.text
    palette.button: system.button
    palette.buttonText: system.buttonText
    palette.highlight: system.highlight
    palette.highlightedText: system.highlightedText
    palette.placeholderText: system.placeholderText
    palette.light: system.light
    palette.midlight: system.midlight
    palette.mid: system.mid
    palette.dark: system.dark
    palette.shadow: system.shadow
    palette.disabled.windowText: systemDisabled.windowText
    palette.disabled.text: systemDisabled.text
    palette.disabled.buttonText: systemDisabled.buttonText
    palette.disabled.button: systemDisabled.button
    palette.disabled.base: systemDisabled.base
    palette.disabled.placeholderText: systemDisabled.placeholderText
    palette.disabled.highlight: systemDisabled.highlight

    SystemPalette {
        id: system
        colorGroup: SystemPalette.Active
    }
    SystemPalette {
        id: systemDisabled
        colorGroup: SystemPalette.Disabled
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
