; SPDX-License-Identifier: GPL-3.0-or-later
; C22 errors where the user looks: each failure is the procedure's
; execution error, with what to do next, and leaves the image unchanged.

(define c22-img (ns-load "content/chelsea.png"))
(define c22-drw (ns-top c22-img))
(gimp-image-scale c22-img 48 32)

; Runs the filter with extra named arguments given as a thunk; checks that
; it fails, leaves one layer, and that the message holds every phrase.
(define (c22-check tag thunk phrases)
  (let ((result (ns-try thunk)))
    (ns-check (string-append tag " fails") (not result))
    (ns-check (string-append tag " message")
              (and (ns-contains? ns-last-error "plug-in-neural-style failed")
                   (null? (filter (lambda (p)
                                    (not (ns-contains? ns-last-error p)))
                                  phrases)))
              ns-last-error)
    (ns-check (string-append tag " image unchanged")
              (= (ns-n-layers c22-img) 1))))

(define (filter keep? l)
  (cond ((null? l) '())
        ((keep? (car l)) (cons (car l) (filter keep? (cdr l))))
        (else (filter keep? (cdr l)))))

(c22-check "c22 no device"
  (lambda ()
    (plug-in-neural-style #:run-mode RUN-NONINTERACTIVE #:image c22-img
                          #:drawables (vector c22-drw)
                          #:style-file (ns-path "style/brick.png")
                          #:device "no-such-gpu"))
  '("no-such-gpu" "mesa-vulkan-drivers"))

(c22-check "c22 no style"
  (lambda ()
    (plug-in-neural-style #:run-mode RUN-NONINTERACTIVE #:image c22-img
                          #:drawables (vector c22-drw)))
  '("style-file" "style-layer"))

(c22-check "c22 corrupt style"
  (lambda ()
    (plug-in-neural-style #:run-mode RUN-NONINTERACTIVE #:image c22-img
                          #:drawables (vector c22-drw)
                          #:style-file (ns-path "odd/truncated.jpg")))
  '("truncated.jpg"))

(let ((mask (car (gimp-layer-create-mask c22-drw ADD-MASK-WHITE))))
  (gimp-layer-add-mask c22-drw mask)
  (c22-check "c22 mask, not a layer"
    (lambda ()
      (plug-in-neural-style #:run-mode RUN-NONINTERACTIVE #:image c22-img
                            #:drawables (vector mask)
                            #:style-file (ns-path "style/brick.png")))
    '("works on layers"))
  (gimp-layer-remove-mask c22-drw MASK-DISCARD))

(gimp-image-delete c22-img)

; Too large for the (stand-in) device: the figures and what to do.
(set! c22-img (car (gimp-image-new 1100 1000 RGB)))
(set! c22-drw (car (gimp-layer-new c22-img "big" 1100 1000 RGB-IMAGE 100
                                   LAYER-MODE-NORMAL)))
(gimp-image-insert-layer c22-img c22-drw 0 0)
(c22-check "c22 too large"
  (lambda ()
    (plug-in-neural-style #:run-mode RUN-NONINTERACTIVE #:image c22-img
                          #:drawables (vector c22-drw)
                          #:style-file (ns-path "style/brick.png")))
  '("MiB" "smaller part" "working size"))
(gimp-image-delete c22-img)
