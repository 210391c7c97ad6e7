// Colours and sizes of the window, derived from the system palette so light and dark themes both
// look right. One instance lives in Main.qml and is handed to the views.
import QtQuick

QtObject {
    id: theme

    required property var palette

    readonly property bool dark: palette.window.hslLightness < 0.5
    readonly property color window: palette.window
    readonly property color base: palette.base
    readonly property color text: palette.windowText
    readonly property color mutedText: Qt.rgba(text.r, text.g, text.b, 0.62)
    readonly property color faintText: Qt.rgba(text.r, text.g, text.b, 0.42)
    readonly property color accent: palette.highlight
    readonly property color accentText: palette.highlightedText
    readonly property color sidebar: dark ? Qt.darker(window, 1.25) : Qt.darker(window, 1.04)
    readonly property color panel: sidebar
    readonly property color divider: Qt.rgba(text.r, text.g, text.b, 0.12)
    readonly property color hover: Qt.rgba(text.r, text.g, text.b, 0.06)
    readonly property color selected: Qt.rgba(accent.r, accent.g, accent.b, dark ? 0.32 : 0.16)
    readonly property color userBubble: Qt.rgba(accent.r, accent.g, accent.b, dark ? 0.28 : 0.12)
    readonly property color codeBackground: dark ? Qt.darker(window, 1.5) : Qt.darker(base, 1.035)
    readonly property color codeHeader: dark ? Qt.darker(window, 1.8) : Qt.darker(base, 1.08)
    readonly property color error: dark ? "#ff8a80" : "#b3261e"
    readonly property color errorBackground: dark ? "#4a1f1f" : "#fde7e6"
    readonly property color warning: dark ? "#ffcc80" : "#8a5300"
    readonly property color good: dark ? "#81c995" : "#1e7d3c"

    readonly property int radius: 8
    readonly property int spacing: 8
    readonly property int sidebarWidth: 264
    readonly property int panelWidth: 300
    readonly property int contentMaxWidth: 820
    readonly property string monoFamily: "DejaVu Sans Mono"
}
