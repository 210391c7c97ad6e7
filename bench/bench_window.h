// The window the UI benchmarks measure: Main.qml offscreen with the software renderer (as
// ui_tests), over view-models the benchmark fills, 1280 x 800, settled. One place for that setup
// and for running its event loop the way the app's own loop does.
//
//   BenchWindow w(argc, argv);         // QGuiApplication, view-models, the loaded window
//   if (!w.ok()) return 2;
//   w.chat.messages()->setItems(...);
//   double ms = w.until_frame();       // runs events until the next frame is drawn
#pragma once
#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQuickWindow>
#include <memory>

#include "app_status.h"
#include "chat_view_model.h"
#include "conversations_view_model.h"
#include "generation_settings.h"
#include "model_state.h"

namespace vkchat::bench {

class BenchWindow {
 public:
  // Sets the platform (offscreen), the style and the software renderer before the application
  // exists, as they must be.
  BenchWindow(int& argc, char** argv);

  bool ok() const { return window_ != nullptr; }
  QQuickWindow* window() const { return window_; }
  int frames() const { return frames_; }

  // Runs the event loop until the window has swapped a frame, or max_ms; the milliseconds taken.
  double until_frame(qint64 max_ms = 5000);
  // Runs the event loop for ms milliseconds.
  void pump(qint64 ms);
  // Deletes what deleteLater() queued. The app's QGuiApplication::exec() does this on every turn;
  // a benchmark that turns the loop with processEvents() must do it itself, or every delegate the
  // list destroys stays in memory.
  static void delete_deferred();

  ui::ConversationsViewModel conversations;
  ui::ChatViewModel chat;
  ui::GenerationSettings settings;
  ui::ModelState model;
  ui::AppStatus status;

 private:
  std::unique_ptr<QGuiApplication> app_;
  std::unique_ptr<QQmlApplicationEngine> engine_;
  QQuickWindow* window_ = nullptr;
  int frames_ = 0;
};

// This process's CPU time in milliseconds (every thread): what a step cost, whatever else the
// machine runs.
double process_cpu_ms();

}  // namespace vkchat::bench
