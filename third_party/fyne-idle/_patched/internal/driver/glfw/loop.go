package glfw

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/internal/app"
	"fyne.io/fyne/v2/internal/async"
	"fyne.io/fyne/v2/internal/cache"
	"fyne.io/fyne/v2/internal/driver/common"
	"fyne.io/fyne/v2/internal/painter"
	"fyne.io/fyne/v2/internal/scale"
)

type funcData struct {
	f    func()
	done chan struct{} // Zero allocation signalling channel
}

// channel for queuing functions on the main thread
var (
	funcQueue        = async.NewUnboundedChan[funcData]()
	running, drained atomic.Bool

	// CLOVE PATCH (third_party/fyne-idle): queued counts the functions sent
	// to funcQueue and not yet taken by the loop, those still inside
	// funcQueue's own goroutine included (len(funcQueue.Out()) misses them:
	// the gap of the first experiment, where a call queued as the loop went
	// idle waited for the next X event).
	queued  atomic.Int64
	idleGLs idleWait

	// CLOVE PATCH (third_party/fyne-idle): draining orders the loop's end
	// against the functions being queued. Upstream's loop took only what
	// was already in funcQueue.Out() before setting drained and closing the
	// queue; a function sent a moment before (still in funcQueue's own
	// goroutine) was left there and its caller waited for ever. The caller
	// that hung was the lifecycle queue's, running the OnStopped the loop
	// had just queued, so Run's WaitForEvents never returned: the window was
	// gone and the process stayed (once in CI: clove did not exit 15 s after
	// SIGTERM). Callers check drained and send under the read lock; the loop
	// sets drained under the write lock, after which every function counted
	// in queued is in the queue and is taken before the queue is closed.
	draining sync.RWMutex
)

// CLOVE PATCH (third_party/fyne-idle): after idleTicks ticks in a row with
// nothing drawn, nothing run and no animation, the loop stops its 60 Hz
// ticker and waits in glfwWaitEvents until X sends an event (input, expose,
// resize, focus) or work arrives: a function queued onto the UI goroutine,
// an animation started, Quit. Those wake it with glfwPostEmptyEvent, which
// GLFW allows from any thread. Measured with Clove idle under Xvfb: 10
// context switches/s instead of 460/s (docs/benchmarks.md).
const idleTicks = 30 // half a second at 60 Hz

// idleWait is the loop's "waiting in glfwWaitEvents" state.
type idleWait struct {
	mu      sync.Mutex // also keeps a post from racing glfw.Terminate: the loop clears waiting under it before it can terminate
	waiting bool
}

// wake makes a loop waiting for events return. The producer's order (queue
// the work, then wake) against the loop's (set waiting, then look for work)
// means one of the two always sees the other.
func (w *idleWait) wake() {
	w.mu.Lock()
	if w.waiting {
		postEmptyEvent()
		w.waiting = false // one empty event is enough
	}
	w.mu.Unlock()
}

// waitIdle waits for an X event or a wake, unless work is already there.
func (d *gLDriver) waitIdle() {
	idleGLs.mu.Lock()
	idleGLs.waiting = true
	idleGLs.mu.Unlock()
	select {
	case <-d.done:
	default:
		if queued.Load() == 0 && !d.animation.Running() {
			waitEvents()
		}
	}
	idleGLs.mu.Lock()
	idleGLs.waiting = false
	idleGLs.mu.Unlock()
}

// Arrange that main.main runs on main thread.
func init() {
	runtime.LockOSThread()
	async.SetMainGoroutine()
}

// force a function f to run on the main thread
func runOnMain(f func()) {
	runOnMainWithWait(f, true)
}

// force a function f to run on the main thread and specify if we should wait for it to return
func runOnMainWithWait(f func(), wait bool) {
	// If we are on main before app run just execute - otherwise add it to the main queue and wait.
	// We also need to run it as-is if the app is in the process of shutting down as the queue will be stopped.
	if !running.Load() && async.IsMainGoroutine() {
		f()
		return
	}

	draining.RLock() // CLOVE PATCH: see draining
	if drained.Load() {
		draining.RUnlock()
		f()
		return
	}
	if wait {
		done := common.DonePool.Get()
		defer common.DonePool.Put(done)

		queued.Add(1) // CLOVE PATCH: counted before it is sent, see queued
		funcQueue.In() <- funcData{f: f, done: done}
		draining.RUnlock()
		idleGLs.wake()
		<-done
	} else {
		queued.Add(1)
		funcQueue.In() <- funcData{f: f}
		draining.RUnlock()
		idleGLs.wake()
	}
}

// drawSingleFrame reports whether a window was repainted (CLOVE PATCH).
func (d *gLDriver) drawSingleFrame() (drew bool) {
	refreshed := false
	for _, win := range d.windowList() {
		w := win.(*window)
		if w.closing {
			continue
		}

		// CheckDirtyAndClear must be checked after visibility,
		// because when a window becomes visible, it could be
		// showing old content without a dirty flag set to true.
		// Do the clear if and only if the window is visible.
		if !w.visible || !w.canvas.CheckDirtyAndClear() {
			// Window hidden or not being redrawn, mark canvasForObject
			// cache alive if it hasn't been done recently
			// n.b. we need to make sure threshold is a bit *after*
			// time.Now() - CacheDuration()
			threshold := time.Now().Add(10*time.Second - cache.ValidDuration)
			if w.lastWalkedTime.Before(threshold) {
				w.canvas.WalkTrees(nil, func(node *common.RenderCacheNode, _ fyne.Position) {
					// marks canvas for object cache entry alive
					_ = cache.GetCanvasForObject(node.Obj())
					// marks renderer cache entry alive
					if wid, ok := node.Obj().(fyne.Widget); ok {
						_, _ = cache.CachedRenderer(wid)
					}
				})
				w.lastWalkedTime = time.Now()
			}
			continue
		}

		drew = true
		w.RunWithContext(func() {
			if w.driver.repaintWindow(w) {
				refreshed = true
			}
		})
	}
	cache.Clean(refreshed)
	return drew
}

func (d *gLDriver) runGL() {
	if !running.CompareAndSwap(false, true) {
		return // Run was called twice.
	}

	d.init()
	if d.trayStart != nil {
		d.trayStart()
	}

	fyne.CurrentApp().Settings().AddListener(func(set fyne.Settings) {
		painter.ClearFontCache()
		cache.ResetThemeCaches()
		app.ApplySettingsWithCallback(set, fyne.CurrentApp(), func(w fyne.Window) {
			c, ok := w.Canvas().(*glCanvas)
			if !ok {
				return
			}
			c.applyThemeOutOfTreeObjects()
			c.reloadScale()
		})
	})

	if f := fyne.CurrentApp().Lifecycle().(*app.Lifecycle).OnStarted(); f != nil {
		f()
	}

	go func() { // CLOVE PATCH: Quit from another goroutine (SIGTERM) wakes an idle loop
		<-d.done
		idleGLs.wake()
	}()
	eventTick := time.NewTicker(time.Second / 60)
	quiet := 0 // CLOVE PATCH: ticks in a row with nothing drawn, run or animated
	for {
		if quiet >= idleTicks {
			eventTick.Stop()
			d.waitIdle()
			quiet = 0
			eventTick.Reset(time.Second / 60)
		}
		select {
		case <-d.done:
			eventTick.Stop()
			d.Terminate()
			l := fyne.CurrentApp().Lifecycle().(*app.Lifecycle)
			if f := l.OnStopped(); f != nil {
				l.QueueEvent(f)
			}

			// as we are shutting down make sure we drain the pending funcQueue and close it out.
			// CLOVE PATCH: drained first, then every function counted, the
			// ones still on their way through funcQueue included (see draining).
			draining.Lock()
			drained.Store(true)
			draining.Unlock()
			for queued.Load() > 0 {
				f := <-funcQueue.Out()
				queued.Add(-1)
				if f.done != nil {
					f.done <- struct{}{}
				}
			}
			funcQueue.Close()
			return
		case f := <-funcQueue.Out():
			queued.Add(-1)
			quiet = 0
			f.f()
			if f.done != nil {
				f.done <- struct{}{}
			}
		case <-eventTick.C:
			d.pollEvents()
			for i := 0; i < len(d.windows); i++ {
				w := d.windows[i].(*window)
				if w.viewport == nil {
					continue
				}

				if w.viewport.ShouldClose() {
					d.destroyWindow(w, i)
					i-- // Trailing windows are moved forward one step.
					continue
				}

				expand := w.shouldExpand
				fullScreen := w.fullScreen

				if expand && !fullScreen {
					w.fitContent()
					shouldExpand := w.shouldExpand
					w.shouldExpand = false
					view := w.viewport

					if shouldExpand && runtime.GOOS != "js" {
						view.SetSize(w.shouldWidth, w.shouldHeight)
					}
				}
			}

			d.animation.TickAnimations()
			if d.drawSingleFrame() || d.animation.Running() {
				quiet = 0
			} else {
				quiet++
			}
		}
	}
}

func (d *gLDriver) destroyWindow(w *window, index int) {
	w.visible = false
	w.viewport.Destroy()
	w.destroy(d)

	if index < len(d.windows)-1 {
		copy(d.windows[index:], d.windows[index+1:])
	}
	d.windows[len(d.windows)-1] = nil
	d.windows = d.windows[:len(d.windows)-1]

	if len(d.windows) == 0 && d.trayStart == nil { // CLOVE PATCH: see runSystray
		d.Quit()
	}
}

func (d *gLDriver) repaintWindow(w *window) bool {
	canvas := w.canvas
	freed := false
	if canvas.EnsureMinSize() {
		w.shouldExpand = true
	}
	freed = canvas.FreeDirtyTextures() > 0

	updateGLContext(w)
	canvas.paint(canvas.Size())

	view := w.viewport
	visible := w.visible

	if view != nil && visible {
		view.SwapBuffers()
	}

	// mark that we have walked the window and don't
	// need to walk it again to mark caches alive
	w.lastWalkedTime = time.Now()
	return freed
}

// refreshWindow requests that the specified window be redrawn
func refreshWindow(w *window) {
	w.canvas.SetDirty()
}

func updateGLContext(w *window) {
	canvas := w.canvas
	size := canvas.Size()

	// w.width and w.height are not correct if we are maximised, so figure from canvas
	winWidth := float32(scale.ToScreenCoordinate(canvas, size.Width)) * canvas.texScale
	winHeight := float32(scale.ToScreenCoordinate(canvas, size.Height)) * canvas.texScale

	canvas.Painter().SetFrameBufferScale(canvas.texScale)
	canvas.Painter().SetOutputSize(int(winWidth), int(winHeight))
}
